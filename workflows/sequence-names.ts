// Names shared by the kairosSequence workflow and its client (no imports: safe on both sides).
export const SEQUENCE_WORKFLOW = 'kairosSequence';
export const ALLOCATE_UPDATE = 'allocate';
