/**
 * x [N, K] times w [K, M], with a gradient built from explicit transposes. Measured here on
 * WASM: matMul with transposeA/transposeB set (what tfjs's own gradient uses) runs 10-20x
 * slower than transpose + plain matMul (1600x768 by 1600x256: 582 ms vs 32 ms), which made a
 * speech-encoder training step's backward pass 25x its forward; the translator measured
 * 10-30x (bench/translator.bench.ts).
 */
import * as tf from '@tensorflow/tfjs';

export const matMul2d = tf.customGrad(((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(sw)), tf.matMul(tf.transpose(sx), dy as tf.Tensor2D)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor, w: tf.Tensor) => tf.Tensor2D;
