// DeleteGroups (key 42), v0-2: deletes groups and their committed offsets. Only an Empty group can be deleted
// (NON_EMPTY_GROUP otherwise); an unknown group gets GROUP_ID_NOT_FOUND. The answer waits until the deletion is
// durable.
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../protocol/generated/delete-groups.ts';
import type { ApiHandler } from './api-handler.ts';

export const deleteGroupsHandler: ApiHandler<DeleteGroupsRequest, DeleteGroupsResponse> = {
  apiKey: 42,
  minVersion: 0,
  maxVersion: 2,
  async handle(context, request) {
    const results = await context.broker.groups.deleteGroups(request.groupsNames);
    return { throttleTimeMs: 0, results };
  },
};
