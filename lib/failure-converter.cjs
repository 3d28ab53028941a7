// Failure messages and stack traces can carry personal data (an error quoting a row or an
// e-mail address): they travel encoded as a payload, so the payload codec encrypts them too.
// CommonJS, because the SDK require()s it in workers and clients and bundles it for workflows.
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
