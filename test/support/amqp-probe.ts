import { connect } from 'node:net';

/**
 * Checks that an AMQP 0-9-1 broker answers at the URL: sends the protocol header and expects a
 * method frame (Connection.Start) back. No driver needed for the check.
 */
export function probeAmqp(url: string, timeoutMs = 5000): Promise<void> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: u.hostname, port: Number(u.port || 5672) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no AMQP answer from ${u.hostname}:${u.port || 5672} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => socket.write(Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1])));
    socket.once('data', (data) => {
      clearTimeout(timer);
      socket.destroy();
      if (data[0] === 1) resolve();
      else reject(new Error('the server at the AMQP URL does not speak AMQP 0-9-1'));
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
