import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rootCause } from './failure.js';

describe('rootCause', () => {
  it('keeps only the last error of a balancer chain', () => {
    assert.equal(
      rootCause(
        'round_robin: No connection established. Last error: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:50051. Resolution note: ',
      ),
      'connect ECONNREFUSED 127.0.0.1:50051',
    );
    assert.equal(rootCause('14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:2999. Resolution note: '), 'connect ECONNREFUSED 127.0.0.1:2999');
  });

  it('drops the moment a connection failed while it was being set up', () => {
    assert.equal(
      rootCause('No connection established. Last error: read ECONNRESET (2026-11-26T19:05:09.131Z). Resolution note: '),
      'read ECONNRESET',
    );
    assert.equal(rootCause('read ECONNRESET (2026-11-26T19:05:09.131Z)'), 'read ECONNRESET');
  });

  it("keeps OpenSSL's reason and detail from its error line", () => {
    assert.equal(
      rootCause(
        'No connection established. Last error: 40EDE94F407F0000:error:0A000412:SSL routines:ssl3_read_bytes:ssl/tls alert bad certificate:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:918:SSL alert number 42 (2026-11-26T19:05:09.131Z). Resolution note: ',
      ),
      'ssl/tls alert bad certificate (SSL alert number 42)',
    );
  });

  it('drops an empty resolution note from a description without a chain', () => {
    assert.equal(rootCause('Name resolution failed for target dns:nowhere:1. Resolution note: '), 'Name resolution failed for target dns:nowhere:1');
  });

  it('leaves other descriptions as they are', () => {
    assert.equal(rootCause('Deadline exceeded after 5.001s'), 'Deadline exceeded after 5.001s');
    assert.equal(rootCause(''), '');
  });
});
