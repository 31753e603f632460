export function _probePlaceholder(): void {}
