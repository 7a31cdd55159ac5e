/** check's table names walled vantages, and offline ones with their reason, under the verdicts. */
import { describe, expect, it } from 'vitest';
import type { Report, VantageState } from '../../../src/model/index.js';
import { renderTable } from '../../../src/report/table.js';

const v = (id: string, state: VantageState['state'], reason: VantageState['reason'] = null): VantageState => ({
  id, online: state !== 'offline', state, reason, control: false, labels: {},
});

const report = (vantages: VantageState[]): Report => ({ schema: 'blockwatch.report/v1', startedAt: '', finishedAt: '', vantages, apps: [] });

describe('renderTable', () => {
  it('says which vantages are walled and which are offline, and why', () => {
    const lines = renderTable(report([v('mts', 'walled'), v('tele2', 'offline', 'shutdown'), v('usb', 'offline', 'link'), v('home', 'online')]), false).split('\n');
    expect(lines).toContain('Walled vantages (only domestic canaries answer: destination allowlisting; apps judged as usual): mts');
    expect(lines).toContain('Offline vantages (canaries failed; their verdicts are unknown): tele2 (shutdown), usb (link)');
    expect(lines.join('\n')).not.toContain('home');
  });

  it('says nothing about vantages when all are online', () => {
    expect(renderTable(report([v('home', 'online')]), false)).toBe('APP  VANTAGE  STATUS  PATTERN  FAILING STEP\n');
  });
});
