// ListGroups (key 16), v0-5: every group this coordinator knows, with its protocol type. v4+ may filter by state
// and report it (KIP-518); v5+ may filter by type and report it (KIP-848): every group here is "classic", so a
// types filter without "classic" lists nothing.
import { ErrorCode } from '../protocol/error-codes.ts';
import type { ListGroupsRequest, ListGroupsResponse } from '../protocol/generated/list-groups.ts';
import type { ApiHandler } from './api-handler.ts';

export const listGroupsHandler: ApiHandler<ListGroupsRequest, ListGroupsResponse> = {
  apiKey: 16,
  minVersion: 0,
  maxVersion: 5,
  handle(context, request) {
    const coordinator = context.broker.groups;
    if (coordinator.isClosed) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groups: [] };
    const groups = coordinator
      .listGroups({ states: request.statesFilter ?? [], types: request.typesFilter ?? [] })
      .map((group) => ({
        groupId: group.groupId,
        protocolType: group.protocolType,
        groupState: group.state,
        groupType: group.type,
      }));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups };
  },
};
