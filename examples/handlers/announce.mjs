// Emits a derived event for each finished transcode: `app.transcode.ready`, with the objects it produced. The
// event's id comes from the transcode's event, so a retried run stores no second copy.
export default {
  async handle(event, ctx) {
    const outputs = event.data.outputs.map((output) => output.object);
    const { id, duplicate } = await ctx.emit('app.transcode.ready', { jobId: event.data.jobId, outputs });
    ctx.log.info({ emitted: id, duplicate }, 'announced a finished transcode');
  },
};
