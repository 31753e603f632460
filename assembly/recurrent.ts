// Whole-layer recurrent kernels: SimpleRNN, LSTM, GRU forward and backward (see recurrent/layer.ts).
export { rnnPackedSize, rnnTapeSize, rnnWorkSize, rnnPack, rnnForward, rnnBackward } from './recurrent/layer';
