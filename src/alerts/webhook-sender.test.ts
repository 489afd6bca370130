import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { OperonError } from '../core/errors.ts';
import { refusedAddress, refusedHost } from './address-policy.ts';
import { createWebhookSender, safeWebhookTarget } from './webhook-sender.ts';

describe('address policy', () => {
  test('public unicast addresses pass; loopback, private, link-local, metadata and the like are refused', () => {
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '172.32.0.1', '100.128.0.1']) {
      assert.equal(refusedAddress(address), undefined, address);
    }
    const refused: Record<string, string> = {
      '127.0.0.1': 'a loopback address',
      '10.1.2.3': 'a private address',
      '172.16.0.1': 'a private address',
      '192.168.1.1': 'a private address',
      '169.254.169.254': 'a link-local or cloud metadata address',
      '100.100.100.200': 'a shared (carrier-grade NAT) address',
      '0.0.0.0': 'an unspecified address',
      '224.0.0.1': 'a multicast address',
      '::1': 'a loopback address',
      '::': 'an unspecified address',
      'fd00:ec2::254': 'a private (unique local) or cloud metadata address',
      'fe80::1%eth0': 'a link-local address',
      '::ffff:127.0.0.1': 'a loopback address',
      '::ffff:a9fe:a9fe': 'a link-local or cloud metadata address',
      '64:ff9b::10.0.0.1': 'a private address',
    };
    for (const [address, reason] of Object.entries(refused)) assert.equal(refusedAddress(address), reason, address);
  });

  test('hosts: literal addresses are judged at once, local names are refused, other names wait for DNS', () => {
    assert.equal(refusedHost('[::1]'), 'a loopback address');
    assert.equal(refusedHost('127.0.0.1'), 'a loopback address');
    assert.equal(refusedHost('localhost'), 'a local host name');
    assert.equal(refusedHost('api.localhost.'), 'a local host name');
    assert.equal(refusedHost('metadata.google.internal'), 'a local host name');
    assert.equal(refusedHost('hooks.example.com'), undefined);
  });
});

describe('webhook sender', () => {
  let server: Server;
  let port: number;
  const received: Array<{ request: IncomingMessage; body: string }> = [];
  let answer = 200;
  let hang = false;
  before(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        received.push({ request, body });
        if (!hang) response.writeHead(answer).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const isRefusal = (error: unknown) => OperonError.is(error) && error.code === 'webhook_refused' && !error.isRetryable && !error.message.includes('s3cret');

  test('posts the JSON body and answers with the status, whatever it is', async () => {
    const sender = createWebhookSender({ allowPrivate: true, timeoutMs: 5_000 });
    answer = 503;
    const before = received.length;
    assert.deepEqual(await sender.post(`http://127.0.0.1:${port}/hook?token=s3cret`, '{"status":"firing"}', { 'x-operon-alert-event': 'alertevt_1' }), { status: 503 });
    answer = 200;
    const last = received.at(-1);
    assert.equal(received.length, before + 1);
    assert.equal(last?.body, '{"status":"firing"}');
    assert.equal(last?.request.url, '/hook?token=s3cret');
    assert.equal(last?.request.headers['content-type'], 'application/json');
    assert.equal(last?.request.headers['x-operon-alert-event'], 'alertevt_1');
  });

  test('without allowPrivate, loopback and local names are refused before connecting', async () => {
    const sender = createWebhookSender({ allowPrivate: false, timeoutMs: 5_000 });
    const before = received.length;
    await assert.rejects(sender.post(`http://127.0.0.1:${port}/hook?token=s3cret`, '{}'), isRefusal);
    await assert.rejects(sender.post(`http://[::1]:${port}/hook`, '{}'), isRefusal);
    await assert.rejects(sender.post(`http://localhost:${port}/hook`, '{}'), isRefusal);
    await assert.rejects(sender.post('file:///etc/passwd', '{}'), isRefusal);
    assert.equal(received.length, before, 'nothing reached the receiver');
  });

  test('every address a name resolves to is checked, and the connection goes to a checked one', async () => {
    const resolve = async (hostname: string) =>
      hostname === 'mixed.example.com' ? [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.7', family: 4 }] : [{ address: '127.0.0.1', family: 4 }];
    const strict = createWebhookSender({ allowPrivate: false, timeoutMs: 5_000, resolve });
    await assert.rejects(strict.post('https://user:s3cret@mixed.example.com/hook', '{}'), (error: unknown) => isRefusal(error) && /a private address/.test((error as Error).message));
    await assert.rejects(strict.post(`http://rebound.example.com:${port}/hook`, '{}'), isRefusal);

    const open = createWebhookSender({ allowPrivate: true, timeoutMs: 5_000, resolve });
    assert.deepEqual(await open.post(`http://hooks.test:${port}/via-resolver`, '{}'), { status: 200 });
    assert.equal(received.at(-1)?.request.headers.host, `hooks.test:${port}`);
  });

  test('no answer within the deadline, or no listener, is a retryable error without the URL', async () => {
    hang = true;
    try {
      const sender = createWebhookSender({ allowPrivate: true, timeoutMs: 20 });
      await assert.rejects(sender.post(`http://127.0.0.1:${port}/slow?token=s3cret`, '{}'), (error: unknown) => OperonError.is(error) && error.code === 'webhook_timeout' && error.isRetryable);
    } finally {
      hang = false;
    }
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const unusedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const sender = createWebhookSender({ allowPrivate: true, timeoutMs: 5_000 });
    await assert.rejects(sender.post(`http://127.0.0.1:${unusedPort}/x?token=s3cret`, '{}'), (error: unknown) =>
      OperonError.is(error) && error.code === 'webhook_unreachable' && error.isRetryable && error.message === 'Could not reach the receiver (ECONNREFUSED).');
  });

  test('what may be logged of a URL is its origin', () => {
    assert.equal(safeWebhookTarget('https://user:pw@hooks.slack.com/services/T0/B0/s3cret?x=1'), 'https://hooks.slack.com/…');
    assert.equal(safeWebhookTarget('nonsense'), '(not a URL)');
  });
});
