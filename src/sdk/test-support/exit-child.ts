/**
 * The application of the exit-hook tests, run as a child process:
 * `node exit-child.ts <baseUrl> natural|sigterm|host-handler`.
 */
import { init, shutdown, span } from '../index.ts';

const [baseUrl = '', mode = 'natural'] = process.argv.slice(2);
init({ baseUrl, apiKey: 'opk_test_key', protocol: 'http/json', flushIntervalMs: 60_000, registerGlobal: 'never' });
span('child-work', () => 'done');

if (mode === 'host-handler') {
  process.on('SIGTERM', () => {
    void shutdown().then(() => process.exit(0));
  });
}
if (mode === 'sigterm' || mode === 'host-handler') {
  setInterval(() => {}, 1_000); // a server that would run forever
  process.kill(process.pid, 'SIGTERM');
}
