// Data loading as PyTorch's torch.utils.data: a Dataset interface, TensorDataset and DataLoader.
export { TensorDataset, type Dataset, type SampleField, type BatchField, type BatchInfo, type HostArray } from './dataset.js';
export { DataLoader, type DataLoaderOptions } from './dataloader.js';
export { mixSeed, shuffledIndices } from './shuffle.js';
