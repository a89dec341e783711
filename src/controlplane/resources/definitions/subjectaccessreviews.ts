/**
 * SubjectAccessReviews (authorization.k8s.io/v1, cluster-scoped): "may this user do this?". Create
 * only, answered by this server's authorizer and never stored (kubelets ask it about their callers).
 */
import { reviewAccess } from '../../auth/access-review.js';
import { defineResource } from '../definition.js';

export const subjectAccessReviews = defineResource({
  group: 'authorization.k8s.io', version: 'v1', kind: 'SubjectAccessReview', resource: 'subjectaccessreviews', singular: 'subjectaccessreview',
  verbs: ['create'], shortNames: [], categories: [], subresources: [],

  answerCreate: ({ api, body }) => reviewAccess(body, api),
});
