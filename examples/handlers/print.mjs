// A module handler: its default export is the handler object (docs/handlers.md, "Module handlers").
/** @type {import('jobhook').HandlerDefinition} */
export default {
  handle(event, ctx) {
    const { data } = event;
    const summary =
      typeof data === 'object' && data !== null && 'state' in data
        ? `${data.provider} ${data.kind} ${data.jobId} ${data.state}${data.tag === undefined ? '' : ` (${data.tag})`}`
        : JSON.stringify(data);
    ctx.log.info({ type: event.type, subject: event.subject }, `${ctx.options.prefix}: ${summary}`);
  },
};
