// The lab suites that run the daemon and wait on its rounds and alerts, one after another in one
// worker, beside the scenario suites (lane-scenarios.test.ts): they mostly wait on the schedule.
import './daemon.test.js';
import './walled-daemon.test.js';
import './page-browser.test.js';
import './mass-block-daemon.test.js';
