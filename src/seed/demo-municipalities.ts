/**
 * The demo municipalities: real names, codes and CVR numbers (public facts), with fixed UUIDs so
 * the README's examples work. Everything inside them is invented.
 */
export const DEMO_ORGANISATIONS = [
  { uuid: '3a8e1ab7-2f36-4b5e-9a61-0b8c0d0f0101', bvn: 'kommune-101', navn: 'Københavns Kommune', cvr: '64942212' },
  { uuid: '3a8e1ab7-2f36-4b5e-9a61-0b8c0d0f0751', bvn: 'kommune-751', navn: 'Aarhus Kommune', cvr: '55133018' },
] as const;
