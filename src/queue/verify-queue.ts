/** The queue of events waiting for the provider's confirmation (CONTRACT.md §5.4): one job per event. */
export const VERIFY_QUEUE = 'jobhook-verify';
