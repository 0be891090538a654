// The interpreter from the Python Environments extension's API: its run command, or nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { environmentCommand, isPythonEnvironmentsApi } from '../src/pythonEnvironments';

describe('Python Environments API', () => {
    it('runs the environment executable with its arguments', () => {
        assert.deepEqual(environmentCommand({ execInfo: { run: { executable: '/p/.venv/bin/python' } } }), [
            '/p/.venv/bin/python',
        ]);
        assert.deepEqual(
            environmentCommand({ execInfo: { run: { executable: 'conda', args: ['run', '-n', 'ml', 'python'] } } }),
            ['conda', 'run', '-n', 'ml', 'python'],
        );
    });

    it('gives nothing for an environment without an executable', () => {
        assert.equal(environmentCommand(undefined), undefined);
        assert.equal(environmentCommand({}), undefined);
        assert.equal(environmentCommand({ execInfo: { run: {} } }), undefined);
    });

    it('recognises the API by its getEnvironment function', () => {
        assert.equal(isPythonEnvironmentsApi({ getEnvironment: async () => undefined }), true);
        assert.equal(isPythonEnvironmentsApi({ environments: {} }), false);
        assert.equal(isPythonEnvironmentsApi(undefined), false);
    });
});
