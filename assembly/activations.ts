// placeholder: filled in by the activations kernel work
export function _activationsPlaceholder(): void {}
