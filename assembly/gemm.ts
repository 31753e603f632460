// placeholder: filled in by the gemm kernel work
export function _gemmPlaceholder(): void {}
