// kube's WithAuditInit and WithCacheControl, the outermost filters: every answer carries an
// Audit-Id (the registry also records a write under it, so a retried call is applied once) and
// `Cache-Control: no-cache, private`.
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from './handler-chain.js';

export const defaultHeadersFilter: RequestHandler = {
  name: 'audit id and cache control',
  handle({ res }, next) {
    res.setHeader('Audit-Id', randomUUID());
    res.setHeader('Cache-Control', 'no-cache, private');
    return next();
  },
};
