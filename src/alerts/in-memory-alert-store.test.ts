import { alertStoreContract } from './alert-store.contract.ts';
import { createInMemoryAlertStore } from './in-memory-alert-store.ts';

// The evaluator's tests run on this store; the contract keeps it honest.
alertStoreContract('in memory', async () => ({ store: createInMemoryAlertStore(), addProject: async () => {}, close: async () => {} }), { projects: false });
