/**
 * `npm run bench:xml`: the XML reader against fast-xml-parser on the XML fixtures of the corpus, in one process:
 * microseconds per document (median of rounds), for jobhook's reader, fast-xml-parser alone, and
 * fast-xml-parser with the validation pass it needs to refuse truncated documents.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parseXml } from '../src/body/xml.js';
import { loadFixtures } from '../test/helpers/fixtures.js';

const documents = (await loadFixtures())
  .filter((f) => f.name.endsWith('.xml'))
  .map((f) => f.body.toString('utf8').replace(/^\uFEFF/, ''));

const fxp = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  htmlEntities: false,
});

const readers: Record<string, (xml: string) => unknown> = {
  'jobhook reader': (xml) => parseXml(xml),
  'fast-xml-parser': (xml): unknown => fxp.parse(xml),
  // The validator is what refuses truncated documents; fast-xml-parser marks it deprecated in favour of a
  // separate package, which would be one more dependency for the same pass.
  'fast-xml-parser + XMLValidator': (xml): unknown => {
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    if (XMLValidator.validate(xml) !== true) throw new Error('invalid');
    return fxp.parse(xml);
  },
};

function microsecondsPerDocument(read: (xml: string) => unknown, rounds: number): number {
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < 200; i++) for (const xml of documents) read(xml);
    samples.push(Number(process.hrtime.bigint() - started) / 1000 / (200 * documents.length));
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? 0;
}

const bytes = documents.reduce((sum, d) => sum + d.length, 0);
console.log(
  `${documents.length} XML fixtures, ${Math.round(bytes / documents.length)} characters on average`,
);
for (const read of Object.values(readers)) microsecondsPerDocument(read, 3); // warm up every reader first
const results = Object.entries(readers).map(
  ([name, read]) => [name, microsecondsPerDocument(read, 9)] as const,
);
const base = results[0]?.[1] ?? 1;
console.log('| reader | µs per document | × jobhook reader |\n|---|---:|---:|');
for (const [name, us] of results) console.log(`| ${name} | ${us.toFixed(1)} | ${(us / base).toFixed(2)}× |`);
