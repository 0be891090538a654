// The output channel drops writes after disposal instead of throwing "Channel has been closed".
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closableChannel } from '../src/closableChannel';

class FakeChannel {
    lines: string[] = [];
    disposed = false;
    name = 'shapelint';
    appendLine(line: string): void {
        if (this.disposed) {
            throw new Error('Channel has been closed');
        }
        this.lines.push(line);
    }
    info(line: string): void {
        this.appendLine(`[info] ${line}`);
    }
    dispose(): void {
        this.disposed = true;
    }
}

describe('closable output channel', () => {
    it('writes while open and keeps plain properties', () => {
        const fake = new FakeChannel();
        const channel = closableChannel(fake);
        channel.info('started');
        assert.deepEqual(fake.lines, ['[info] started']);
        assert.equal(channel.name, 'shapelint');
    });

    it('drops writes after we dispose it', () => {
        const fake = new FakeChannel();
        const channel = closableChannel(fake);
        channel.dispose();
        assert.doesNotThrow(() => channel.appendLine('late'));
        assert.equal(fake.disposed, true);
    });

    it('drops writes after VS Code disposed the channel behind our back', () => {
        const fake = new FakeChannel();
        const channel = closableChannel(fake);
        fake.dispose();
        assert.doesNotThrow(() => channel.info('connection closed'));
        assert.deepEqual(fake.lines, []);
    });

    it('still reports other errors', () => {
        const channel = closableChannel({ dispose() {}, appendLine(_line: string) { throw new Error('boom'); } });
        assert.throws(() => channel.appendLine('x'), /boom/);
    });
});
