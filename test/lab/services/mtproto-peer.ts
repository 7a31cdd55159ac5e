/**
 * The lab's MTProto peer: a Telegram data centre's first exchange (test/support/mtproto-server.ts)
 * on the lab addresses of the catalogues' mtproto targets, every transport on one port. A rule
 * per address makes it act as a censor would for the censored path only (scope `client`), or
 * as an outage for everyone (scope `everyone`: the control sees it too, so the verdict is down).
 */
import { startMtprotoServer, type MtprotoPeerMode, type MtprotoServer } from '../../support/mtproto-server.js';

export interface MtprotoPeerSpec {
  addresses: string[];
  port: number;
  /** Source address of connections that crossed the censor. */
  clientAddress: string;
}

export interface MtprotoPeerRule {
  mode: MtprotoPeerMode;
  scope: 'client' | 'everyone';
}

export interface MtprotoPeer {
  setRule(address: string, rule: MtprotoPeerRule | null): void;
  clearRules(): void;
  close(): Promise<void>;
}

export async function startMtprotoPeer(spec: MtprotoPeerSpec): Promise<MtprotoPeer> {
  const rules = new Map<string, MtprotoPeerRule>();
  const servers: MtprotoServer[] = [];
  try {
    for (const address of spec.addresses) {
      const modeFor = (remote: string): MtprotoPeerMode => {
        const rule = rules.get(address);
        const fromClient = remote.replace(/^::ffff:/, '') === spec.clientAddress;
        return rule && (rule.scope === 'everyone' || fromClient) ? rule.mode : 'answer';
      };
      servers.push(await startMtprotoServer({ host: address, port: spec.port, mode: modeFor }));
    }
  } catch (e) {
    await Promise.allSettled(servers.map((s) => s.close()));
    throw e;
  }
  return {
    setRule(address, rule) {
      if (!spec.addresses.includes(address)) throw new Error(`the MTProto peer does not listen on ${address}`);
      if (rule) rules.set(address, rule);
      else rules.delete(address);
    },
    clearRules() {
      rules.clear();
    },
    async close() {
      await Promise.allSettled(servers.map((s) => s.close()));
    },
  };
}
