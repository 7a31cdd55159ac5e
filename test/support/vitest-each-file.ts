/**
 * Set up in every test file: a process a test starts ends with the test (passed, failed or
 * timed out), one started in a file's hooks ends with the file, and any left at exit then.
 */
import { afterAll, afterEach, beforeEach } from 'vitest';
import { endChildren, enterScope, leaveScope } from './children.js';

beforeEach((ctx) => enterScope(ctx.task.id));
// Registered first, so it runs after the file's own afterEach hooks (they may stop what they started, gracefully).
afterEach(() => endChildren(leaveScope()));
afterAll(() => endChildren());
