import { Agent, setGlobalDispatcher } from 'undici';

/**
 * Tests stop a server right after their last request, and a stopping jobhook waits for idle kept-alive connections
 * to be closed by their client or by its keep-alive timeout (CONTRACT.md §4). So the tests' `fetch` lets an idle
 * connection go after 100 ms instead of undici's 4 s; requests sent back-to-back still share connections.
 */
setGlobalDispatcher(new Agent({ keepAliveTimeout: 100, keepAliveMaxTimeout: 100 }));
