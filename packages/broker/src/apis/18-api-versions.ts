// ApiVersions (key 18), v0-4. Tells a client which APIs and versions this broker serves; clients send it first.
// Only implemented APIs are advertised, so clients never try transactions, SASL or KIP-848 groups against us.
// A request at a version newer than ours is answered by the server with v0 and UNSUPPORTED_VERSION (KIP-511),
// using apiVersionsResponseForUnsupportedVersion below. v3+ carries the client's software name and version, which
// we only log; there are no feature flags to report (KIP-584), so supported and finalized features are empty.
import { ErrorCode } from '../protocol/error-codes.ts';
import type { ApiVersionsRequest, ApiVersionsResponse } from '../protocol/generated/api-versions.ts';
import type { ApiHandler } from './api-handler.ts';

type VersionRanges = ReadonlyMap<number, { readonly minVersion: number; readonly maxVersion: number }>;

function advertisedApiKeys(handlers: VersionRanges): ApiVersionsResponse['apiKeys'] {
  return [...handlers.entries()]
    .sort(([a], [b]) => a - b)
    .map(([apiKey, range]) => ({ apiKey, minVersion: range.minVersion, maxVersion: range.maxVersion }));
}

export function apiVersionsResponseForUnsupportedVersion(handlers: VersionRanges): ApiVersionsResponse {
  return { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: advertisedApiKeys(handlers) };
}

export function createApiVersionsHandler(handlers: VersionRanges): ApiHandler<ApiVersionsRequest, ApiVersionsResponse> {
  return {
    apiKey: 18,
    minVersion: 0,
    maxVersion: 4,
    handle(context, request) {
      if (request.clientSoftwareName) {
        context.log.debug(
          { clientSoftwareName: request.clientSoftwareName, clientSoftwareVersion: request.clientSoftwareVersion },
          'client connected',
        );
      }
      return {
        errorCode: ErrorCode.NONE,
        apiKeys: advertisedApiKeys(handlers),
        throttleTimeMs: 0,
        supportedFeatures: [],
        finalizedFeaturesEpoch: -1n,
        finalizedFeatures: [],
      };
    },
  };
}
