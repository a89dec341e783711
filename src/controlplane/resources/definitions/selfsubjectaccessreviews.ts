/**
 * SelfSubjectAccessReviews (authorization.k8s.io/v1, cluster-scoped): "may I do this?"
 * (`kubectl auth can-i`). Create only, by any authenticated user, answered by this server's
 * authorizer and never stored.
 */
import { reviewSelfAccess } from '../../auth/access-review.js';
import { defineResource } from '../definition.js';

export const selfSubjectAccessReviews = defineResource({
  group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectAccessReview', resource: 'selfsubjectaccessreviews', singular: 'selfsubjectaccessreview',
  verbs: ['create'], shortNames: [], categories: [], subresources: [],

  answerCreate: ({ api, body, context }) => reviewSelfAccess(body, context.user, api),
});
