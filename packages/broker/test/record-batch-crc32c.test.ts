import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c } from '../src/record-batch/crc32c.ts';

// Published check values: the CRC catalogue ("123456789") and RFC 3720 appendix B.4 (iSCSI).
test('crc32c matches the published check value for "123456789"', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
});

test('crc32c matches the RFC 3720 test vectors', () => {
  assert.equal(crc32c(Buffer.alloc(32, 0x00)), 0x8a9136aa);
  assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
  const ascending = Buffer.from(Array.from({ length: 32 }, (_, index) => index));
  assert.equal(crc32c(ascending), 0x46dd794e);
  const descending = Buffer.from(Array.from({ length: 32 }, (_, index) => 31 - index));
  assert.equal(crc32c(descending), 0x113fdb5c);
});

test('crc32c of the empty input is 0', () => {
  assert.equal(crc32c(Buffer.alloc(0)), 0);
});

test('crc32c over a sub-range equals crc32c of that slice, for every length around the 8-byte stride', () => {
  const data = Buffer.from(Array.from({ length: 100 }, (_, index) => (index * 37 + 11) & 0xff));
  for (let start = 0; start < 9; start++) {
    for (let end = start; end <= data.length; end += 3) {
      assert.equal(crc32c(data, start, end), crc32c(Buffer.from(data.subarray(start, end))), `range ${start}..${end}`);
    }
  }
});

test('crc32c of a slicing-by-8 run agrees with the bytewise definition', () => {
  const data = Buffer.from(Array.from({ length: 4099 }, (_, index) => (index * 7919) & 0xff));
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  assert.equal(crc32c(data), (crc ^ 0xffffffff) >>> 0);
});
