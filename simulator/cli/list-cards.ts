// `--list-cards [--json]`: the profiles and personas with their data and test PINs.
import type { ProfileDescription } from '../profiles/index.ts';

export function formatProfiles(profiles: ProfileDescription[]): string {
  const out: string[] = [];
  for (const p of profiles) {
    const algorithm = p.algorithm ? `, ${p.algorithm}` : '';
    out.push(`${p.name}  ${p.description} (${p.protocol}${algorithm})`);
    for (const persona of p.personas) {
      const pin = persona.pin === null ? 'no PIN' : `PIN ${persona.pin}`;
      out.push(`  ${persona.spec}  ${persona.label}`);
      out.push(`      ${pin}  ATR ${persona.atr}`);
      for (const [key, value] of Object.entries(persona.data)) {
        if (key === 'id' || key === 'label' || key === 'pin') continue;
        out.push(`      ${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
      }
    }
    out.push('');
  }
  return out.join('\n');
}
