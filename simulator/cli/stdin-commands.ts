// Commands the running simulator takes on standard input, one per line:
//   insert <profile>[:<persona>]   put a card in the user slot (after pulling the one there)
//   remove                         pull the user card
//   keys <script>                  queue a key script (starts at the next PIN prompt)
//   power-cut                      cut the reader's power; it comes back after 50 ms
//   quit                           stop the simulator
import { parseKeyScript, type KeyStep } from '../reader/key-script.ts';
import { CommandError } from '../errors.ts';

export type StdinCommand =
  | { kind: 'insert'; spec: string }
  | { kind: 'remove' }
  | { kind: 'keys'; steps: KeyStep[] }
  | { kind: 'power-cut' }
  | { kind: 'quit' }
  | { kind: 'empty' };

export function parseCommand(line: string): StdinCommand {
  const text = line.trim();
  if (!text) return { kind: 'empty' };
  const [word, ...rest] = text.split(/\s+/);
  const arg = text.slice(word.length).trim();
  switch (word) {
    case 'insert':
      if (rest.length !== 1) throw new CommandError('usage: insert <profile>[:<persona>]');
      return { kind: 'insert', spec: rest[0] };
    case 'remove':
      return { kind: 'remove' };
    case 'keys':
      if (!arg) throw new CommandError('usage: keys <script>');
      return { kind: 'keys', steps: parseKeyScript(arg) };
    case 'power-cut':
      return { kind: 'power-cut' };
    case 'quit':
      return { kind: 'quit' };
    default:
      throw new CommandError(
        `unknown command "${word}" (insert <card>, remove, keys <script>, power-cut, quit)`,
      );
  }
}
