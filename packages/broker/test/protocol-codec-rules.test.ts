// The protocol rules the generated codecs enforce beyond plain round trips: ignorable fields (Kafka refuses to drop a
// non-ignorable field's value silently), nullability per version, tagged fields written only when non-default and
// unknown tags skipped (KIP-482), header versions per API (KIP-482, KIP-511), defaults for omitted fields.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeFetchResponse, encodeFetchResponse, type FetchResponse } from '../src/protocol/generated/fetch.ts';
import { decodeHeartbeatRequest, encodeHeartbeatRequest } from '../src/protocol/generated/heartbeat.ts';
import { apiDescriptors } from '../src/protocol/generated/index.ts';
import { decodeMetadataRequest, encodeMetadataRequest } from '../src/protocol/generated/metadata.ts';
import { encodeProduceRequest, encodeProduceResponse } from '../src/protocol/generated/produce.ts';
import { decodeRequestHeader, encodeRequestHeader } from '../src/protocol/generated/request-header.ts';
import { Reader } from '../src/protocol/reader.ts';
import { Writer } from '../src/protocol/writer.ts';

function encoded(encode: (writer: Writer) => void): Buffer {
  const writer = new Writer();
  encode(writer);
  return writer.toBuffer();
}

function assertCode(action: () => unknown, code: string): void {
  assert.throws(action, (error: Error & { code?: string }) => {
    assert.equal(error.code, code, error.message);
    return true;
  });
}

function fetchResponse(partition: Partial<FetchResponse['responses'][number]['partitions'][number]>): FetchResponse {
  return {
    responses: [
      {
        topic: 'orders',
        partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 5n, records: null, ...partition }],
      },
    ],
  };
}

describe('ignorable fields', () => {
  it('refuses a non-default value in a non-ignorable field the version lacks', () => {
    // PreferredReadReplica (Fetch v11+) is not ignorable: a consumer at v10 would read from the wrong replica.
    const response = fetchResponse({ preferredReadReplica: 3 });
    assertCode(() => encodeFetchResponse(new Writer(), 10, response), 'ERR_UNENCODABLE_MESSAGE');
    const decoded = decodeFetchResponse(new Reader(encoded((w) => encodeFetchResponse(w, 11, response))), 11);
    assert.equal(decoded.responses[0].partitions[0].preferredReadReplica, 3);
  });

  it('accepts the default value in a non-ignorable field the version lacks', () => {
    const withDefault = encoded((w) => encodeFetchResponse(w, 10, fetchResponse({ preferredReadReplica: -1 })));
    const without = encoded((w) => encodeFetchResponse(w, 10, fetchResponse({})));
    assert.deepEqual(withDefault, without);
  });

  it('drops an ignorable field the version lacks', () => {
    // ThrottleTimeMs (Produce response v1+) is ignorable.
    const withThrottle = encoded((w) => encodeProduceResponse(w, 0, { responses: [], throttleTimeMs: 100 }));
    assert.equal(withThrottle.toString('hex'), '00000000');
  });
});

describe('nullability', () => {
  it('writes a null array only in versions where the field is nullable', () => {
    // MetadataRequest.Topics is nullable from v1 ("all topics"); v0 has no way to say null.
    assertCode(() => encodeMetadataRequest(new Writer(), 0, { topics: null }), 'ERR_UNENCODABLE_MESSAGE');
    assert.equal(encoded((w) => encodeMetadataRequest(w, 1, { topics: null })).toString('hex'), 'ffffffff');
    // Compact null is a zero varint; AllowAutoTopicCreation (default true) and the rest follow.
    assert.equal(encoded((w) => encodeMetadataRequest(w, 9, { topics: null })).toString('hex'), '0001000000');
  });

  it('refuses to decode null where the version does not allow it', () => {
    assertCode(() => decodeMetadataRequest(new Reader(Buffer.from('ffffffff', 'hex')), 0), 'ERR_MALFORMED_FRAME');
    assert.equal(decodeMetadataRequest(new Reader(Buffer.from('ffffffff', 'hex')), 1).topics, null);
  });
});

describe('tagged fields', () => {
  it('writes a tagged field only when it differs from its default', () => {
    const plain = encoded((w) => encodeFetchResponse(w, 12, fetchResponse({})));
    const explicitDefault = encoded((w) =>
      encodeFetchResponse(w, 12, fetchResponse({ currentLeader: { leaderId: -1, leaderEpoch: -1 } })),
    );
    assert.deepEqual(explicitDefault, plain);
    const withLeader = encoded((w) =>
      encodeFetchResponse(w, 12, fetchResponse({ currentLeader: { leaderId: 2, leaderEpoch: 7 } })),
    );
    // Tag 1, size 9: the two int32s and the struct's own (empty) tagged-field section.
    assert.ok(withLeader.toString('hex').includes('01090000000200000007' + '00'));
    const decoded = decodeFetchResponse(new Reader(withLeader), 12);
    assert.deepEqual(decoded.responses[0].partitions[0].currentLeader, { leaderId: 2, leaderEpoch: 7 });
  });

  it('skips unknown tags, also between known ones', () => {
    const request = { groupId: 'g', generationId: 3, memberId: 'm', groupInstanceId: null };
    const bytes = encoded((w) => encodeHeartbeatRequest(w, 4, request));
    assert.equal(bytes.at(-1), 0, 'an empty tagged-field section ends the message');
    // Replace the empty section with two fields a newer client might send.
    const withUnknown = Buffer.concat([
      bytes.subarray(0, -1),
      Buffer.from('02' + '05' + '02aaaa' + '9601' + '01bb', 'hex'),
    ]);
    const reader = new Reader(withUnknown);
    assert.deepEqual(decodeHeartbeatRequest(reader, 4), request);
    assert.equal(reader.remaining, 0);

    // Fetch v16's top-level section holds NodeEndpoints as tag 0; an unknown tag 9 follows it.
    const base = encoded((w) => encodeFetchResponse(w, 16, fetchResponse({})));
    const endpoints = [{ nodeId: 1, host: 'broker', port: 9092, rack: null }];
    const tagged = encoded((w) => encodeFetchResponse(w, 16, { ...fetchResponse({}), nodeEndpoints: endpoints }));
    const countAt = base.length - 1;
    assert.equal(tagged[countAt], 1);
    const mixed = Buffer.concat([
      tagged.subarray(0, countAt),
      Buffer.from('02', 'hex'),
      tagged.subarray(countAt + 1),
      Buffer.from('0903010203', 'hex'),
    ]);
    assert.deepEqual(decodeFetchResponse(new Reader(mixed), 16).nodeEndpoints, endpoints);
  });
});

describe('defaults', () => {
  it('writes omitted optional fields as their defaults', () => {
    // Produce v3: TransactionalId defaults to null (int16 -1).
    const bytes = encoded((w) => encodeProduceRequest(w, 3, { acks: -1, timeoutMs: 1000, topicData: [] }));
    assert.equal(bytes.toString('hex'), 'ffff' + 'ffff' + '000003e8' + '00000000');
  });

  it('fills every field when decoding, including those the version lacks', () => {
    const bytes = encoded((w) => encodeFetchResponse(w, 0, fetchResponse({})));
    const partition = decodeFetchResponse(new Reader(bytes), 0).responses[0].partitions[0];
    assert.equal(partition.lastStableOffset, -1n);
    assert.equal(partition.preferredReadReplica, -1);
    assert.deepEqual(partition.divergingEpoch, { epoch: -1, endOffset: -1n });
    assert.equal(partition.abortedTransactions, null);
  });
});

describe('headers', () => {
  it('uses request header v2 and response header v1 for flexible versions, ApiVersions always response v0', () => {
    const headerVersions = (apiKey: number, version: number) => {
      const api = apiDescriptors.get(apiKey);
      assert.ok(api);
      return [api.requestHeaderVersion(version), api.responseHeaderVersion(version)];
    };
    assert.deepEqual(headerVersions(0, 8), [1, 0]);
    assert.deepEqual(headerVersions(0, 9), [2, 1]);
    assert.deepEqual(headerVersions(18, 2), [1, 0]);
    assert.deepEqual(headerVersions(18, 3), [2, 0]);
    assert.deepEqual(headerVersions(60, 0), [2, 1]);
    assert.deepEqual(headerVersions(17, 1), [1, 0]);
    assert.equal(apiDescriptors.get(17)?.firstFlexibleVersion, Number.POSITIVE_INFINITY);
    assert.equal(apiDescriptors.get(1)?.firstFlexibleVersion, 12);
  });

  it('keeps the request header ClientId a classic nullable string in header v2', () => {
    const header = { requestApiKey: 18, requestApiVersion: 3, correlationId: 7, clientId: 'ab' };
    const bytes = encoded((w) => encodeRequestHeader(w, 2, header));
    assert.equal(bytes.toString('hex'), '0012' + '0003' + '00000007' + '00026162' + '00');
    assert.deepEqual(decodeRequestHeader(new Reader(bytes), 2), header);
    const anonymous = encoded((w) => encodeRequestHeader(w, 1, { ...header, clientId: null }));
    assert.equal(anonymous.toString('hex'), '0012' + '0003' + '00000007' + 'ffff');
  });
});
