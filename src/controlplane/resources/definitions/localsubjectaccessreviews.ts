/**
 * LocalSubjectAccessReviews (authorization.k8s.io/v1, namespaced): "may this user do this in this
 * namespace?". Create only, answered by this server's authorizer and never stored.
 */
import { reviewLocalAccess } from '../../auth/access-review.js';
import { defineResource } from '../definition.js';

export const localSubjectAccessReviews = defineResource({
  group: 'authorization.k8s.io', version: 'v1', kind: 'LocalSubjectAccessReview', resource: 'localsubjectaccessreviews', singular: 'localsubjectaccessreview',
  verbs: ['create'], shortNames: [], categories: [], subresources: [],

  answerCreate: ({ api, body, namespace }) => reviewLocalAccess(body, namespace, api),
});
