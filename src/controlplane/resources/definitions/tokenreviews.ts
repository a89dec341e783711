/**
 * TokenReviews (authentication.k8s.io/v1, cluster-scoped): "whose token is this?". Create only,
 * answered by this server's token authentication and never stored (kubelets ask it about the
 * tokens their endpoint is called with).
 */
import { reviewToken } from '../../auth/token-review.js';
import { badRequest } from '../../api/status-error.js';
import { defineResource } from '../definition.js';

export const tokenReviews = defineResource({
  group: 'authentication.k8s.io', version: 'v1', kind: 'TokenReview', resource: 'tokenreviews', singular: 'tokenreview',
  verbs: ['create'], shortNames: [], categories: [], subresources: [],

  answerCreate: ({ body, authenticateToken }) => {
    if (!authenticateToken) throw badRequest('this server authenticates no tokens');
    return reviewToken(body, authenticateToken);
  },
});
