export * from '$lib/knowledge/types';
