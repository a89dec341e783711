/**
 * SelfSubjectReviews (authentication.k8s.io/v1, cluster-scoped): "who am I?" (`kubectl auth
 * whoami`). Create only, by any authenticated user, answered from the request's user and never stored.
 */
import { reviewSelf } from '../../auth/self-subject-review.js';
import { defineResource } from '../definition.js';

export const selfSubjectReviews = defineResource({
  group: 'authentication.k8s.io', version: 'v1', kind: 'SelfSubjectReview', resource: 'selfsubjectreviews', singular: 'selfsubjectreview',
  verbs: ['create'], shortNames: [], categories: [], subresources: [],

  answerCreate: ({ api, body, context }) => reviewSelf(body, context.user, api.now()),
});
