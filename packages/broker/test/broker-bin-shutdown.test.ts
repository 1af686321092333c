// The orderflow-broker process (src/bin.ts) on SIGTERM or SIGINT: it stops, answers the request in flight (a long
// poll returns at once rather than at its max_wait), closes its connections, syncs the logs and exits 0. A restart
// on the same data directory finds what was acknowledged.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../src/protocol/error-codes.ts';
import { spawnBrokerProcess, startTestBroker, temporaryDirectory } from './broker-test-support.ts';
import { decodeValues, valuesBatch } from './record-batch-builder.ts';
import { defer } from './storage-support.ts';
import { ApiKey, fetchPartition, fetchRequest, produceRequest, WireClient } from './wire-client.ts';

const TOPIC = 'shutdown';
const LONG_POLL_MS = 60_000;

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(
    `on ${signal} the broker answers the long poll in flight, closes, and exits 0`,
    { timeout: 60_000 },
    async (t) => {
      const dataDir = temporaryDirectory();
      defer(t, () => dataDir.remove());
      const broker = await spawnBrokerProcess(['--data-dir', dataDir.path, '--fsync', 'batch']);
      // Whatever happens, no broker process outlives the test.
      defer(t, async () => {
        if (broker.child.exitCode === null && broker.child.signalCode === null) broker.child.kill('SIGKILL');
        await broker.exited;
      });

      const consumer = await WireClient.connect(broker.port);
      defer(t, () => consumer.close());
      const other = await WireClient.connect(broker.port);
      defer(t, () => other.close());
      const produced = await other.request(
        ApiKey.PRODUCE,
        9,
        produceRequest(TOPIC, [{ index: 0, records: valuesBatch('kept', 2) }]),
      );
      assert.equal(produced.responses[0].partitionResponses[0].errorCode, ErrorCode.NONE);

      const fetchId = consumer.send(
        ApiKey.FETCH,
        12,
        fetchRequest(
          [
            {
              topic: TOPIC,
              partitions: [
                {
                  partition: 0,
                  currentLeaderEpoch: -1,
                  fetchOffset: 2n,
                  lastFetchedEpoch: -1,
                  logStartOffset: -1n,
                  partitionMaxBytes: 1 << 20,
                },
              ],
            },
          ],
          { maxWaitMs: LONG_POLL_MS, minBytes: 1 },
        ),
      );
      // Once the broker has answered a request written after the fetch, it has read the fetch and parked it.
      await other.request(ApiKey.API_VERSIONS, 3, { clientSoftwareName: 'wire-test', clientSoftwareVersion: '1' });
      assert.equal(consumer.received.length, 0, 'the long poll is waiting');

      const signalledAt = performance.now();
      broker.child.kill(signal);
      const fetched = await consumer.response(ApiKey.FETCH, fetchId);
      const [partition] = fetched.body.responses[0].partitions;
      assert.equal(partition.errorCode, ErrorCode.NONE);
      assert.equal(partition.records?.length ?? 0, 0);
      assert.equal(partition.highWatermark, 2n);
      const answeredMs = fetched.receivedAt - signalledAt;
      assert.ok(
        answeredMs < LONG_POLL_MS / 2,
        `the long poll was answered ${answeredMs.toFixed(0)} ms after ${signal}`,
      );

      // The broker closes both connections, the idle one and the one whose request it answered, then exits 0.
      await Promise.all([consumer.closed, other.closed]);
      assert.deepEqual(await broker.exited, { code: 0, signal: null });
      const messages = broker.logLines.map((line) => line.msg);
      assert.ok(
        broker.logLines.some((line) => line.msg === 'shutting down' && line.signal === signal),
        `logged the signal: ${messages.join(', ')}`,
      );
      assert.equal(messages.at(-1), 'broker stopped');

      const restarted = await startTestBroker({ dataDir: dataDir.path });
      defer(t, () => restarted.close());
      const client = await WireClient.connect(restarted.port);
      defer(t, () => client.close());
      const stored = await fetchPartition(client, TOPIC, 0, 0n);
      assert.deepEqual(decodeValues(stored.records!), ['kept-0', 'kept-1']);
    },
  );
}
