/**
 * Loaded before every test file (scripts/test.mjs; plain JavaScript, as it loads beside tsx): fails the file when, after its tests ran,
 * `Object.prototype` or `Array.prototype` holds a property it did not hold before. A property
 * there is read by every object in the process; an attacker who plants one (prototype
 * pollution) can make it read as a grant, a flag or a plan for everyone until restart.
 */
import { after } from 'node:test';

const watched = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
];

const before = watched.map(([, prototype]) => new Set(Reflect.ownKeys(prototype)));

after(() => {
  const gained = watched.flatMap(([name, prototype], index) =>
    Reflect.ownKeys(prototype)
      .filter((key) => !before[index].has(key))
      .map((key) => `${name}.${String(key)}`),
  );
  if (gained.length > 0)
    throw new Error(`prototype pollution: ${gained.join(', ')} appeared during this file`);
});
