/**
 * minGPT's architecture on webgrad's layers: token and position embeddings, N pre-norm transformer
 * blocks (causal self-attention and a 4× MLP with the tanh GELU, each with a residual connection),
 * a final LayerNorm and a linear head, optionally tied to the token embedding. The blocks are
 * nn.TransformerEncoderLayer with normFirst, so the state dict has PyTorch's names
 * (`blocks.0.self_attn.in_proj_weight`, …) and loads into reference/model.py's GPT.
 */
import { add, embedding, gelu, keep, linear, nn, randn, tensor, zeros, type Tensor } from '../../src/index.js';

export interface GptConfig {
  vocab: number;
  /** The longest sequence (positions). */
  blockSize: number;
  layers: number;
  heads: number;
  embed: number;
  dropout: number;
  /** The head reuses the token embedding's weight. */
  tie: boolean;
}

export class GPT extends nn.Module {
  readonly wte: nn.Embedding;
  readonly wpe: nn.Embedding;
  readonly drop: nn.Dropout;
  readonly blocks: nn.Sequential;
  readonly lnF: nn.LayerNorm;
  readonly head: nn.Linear | null;
  private readonly positions = new Map<number, Tensor>();

  constructor(readonly config: GptConfig, seed: number) {
    super();
    const { vocab, blockSize, layers, heads, embed, dropout } = config;
    this.wte = this.addModule('wte', new nn.Embedding(vocab, embed, { seed }));
    this.wpe = this.addModule('wpe', new nn.Embedding(blockSize, embed, { seed: nn.deriveSeed(seed, 1) }));
    this.drop = this.addModule('drop', new nn.Dropout(dropout, { seed: nn.deriveSeed(seed, 2) }));
    const block = (i: number) =>
      new nn.TransformerEncoderLayer(embed, heads, {
        dimFeedforward: 4 * embed,
        dropout,
        activation: (x) => gelu(x, { approximate: 'tanh' }),
        batchFirst: true,
        normFirst: true,
        seed: nn.deriveSeed(seed, 10 + i),
      });
    this.blocks = this.addModule('blocks', new nn.Sequential(...Array.from({ length: layers }, (_, i) => block(i))));
    this.lnF = this.addModule('ln_f', new nn.LayerNorm(embed));
    this.head = config.tie ? null : this.addModule('head', new nn.Linear(embed, vocab, { bias: false, seed: nn.deriveSeed(seed, 3) }));
    this.initMinGpt(nn.deriveSeed(seed, 4));
  }

  /**
   * minGPT's initialisation: linear and embedding weights N(0, 0.02), the residual projections
   * (attention's out_proj, the MLP's linear2) N(0, 0.02/√(2·layers)), biases 0, LayerNorms 1 and 0.
   */
  private initMinGpt(seed: number): void {
    const residualStd = 0.02 / Math.sqrt(2 * this.config.layers);
    const values: Record<string, Tensor> = {};
    this.namedParameters().forEach(([name, p], i) => {
      if (name.endsWith('bias')) values[name] = zeros(p.shape);
      else if (!isNormWeight(name)) values[name] = randn(p.shape, { seed: nn.deriveSeed(seed, i), std: /(out_proj|linear2)\.weight$/.test(name) ? residualStd : 0.02 });
    });
    this.loadStateDict(values, { strict: false });
    for (const t of Object.values(values)) t.dispose();
  }

  /** idx int32 [batch, T] (T ≤ blockSize) → logits [batch, T, vocab]. */
  forward(idx: Tensor): Tensor {
    const t = idx.shape[1];
    let x = this.drop.forward(add(this.wte.forward(idx), embedding(this.positionsOf(t), this.wpe.weight)));
    for (const block of this.blocks.children() as nn.TransformerEncoderLayer[]) x = block.forward(x, { isCausal: true });
    x = this.lnF.forward(x);
    return this.head ? this.head.forward(x) : linear(x, this.wte.weight);
  }

  /** The positions 0 … t−1 (int32), made once per length and kept with the model. */
  private positionsOf(t: number): Tensor {
    let p = this.positions.get(t);
    if (!p) {
      p = keep(tensor(Int32Array.from({ length: t }, (_, i) => i), [t], { dtype: 'int32' }));
      this.positions.set(t, p);
    }
    return p;
  }

  override dispose(): void {
    super.dispose();
    for (const p of this.positions.values()) p.dispose();
    this.positions.clear();
  }
}

const isNormWeight = (name: string): boolean => /(norm\d|ln_f)\.weight$/.test(name);

/**
 * The parameters AdamW decays, as minGPT: the weights of linear maps (attention's in_proj_weight
 * included); not biases, LayerNorms or embeddings.
 */
export function decayGroups(model: GPT, weightDecay: number): { params: Tensor[]; weightDecay: number }[] {
  const decay: Tensor[] = [];
  const none: Tensor[] = [];
  for (const [name, p] of model.namedParameters()) {
    const isLinearWeight = /weight$/.test(name) && !isNormWeight(name) && !/^(wte|wpe)\./.test(name);
    (isLinearWeight ? decay : none).push(p);
  }
  return [{ params: decay, weightDecay }, { params: none, weightDecay: 0 }];
}
