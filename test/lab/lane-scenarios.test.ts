// The lab suites that run `check` over the scenarios, one after another in one worker: they compare
// probe timings and throughput, so they never share the cores with each other. The daemon suites
// run beside them (lane-daemons.test.ts): each lab has namespaces of its own.
import './topology.test.js';
import './udp-wire.test.js';
import './client-wire.test.js';
import './degree-wire.test.js';
import './lab.test.js';
import './incidents.test.js';
// Prometheus on top of the daemon: in this lane to even the two lanes' lengths.
import '../e2e/prometheus-lab.test.js';
