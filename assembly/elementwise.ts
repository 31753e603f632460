// placeholder: filled in by the elementwise kernel work
export function _elementwisePlaceholder(): void {}
