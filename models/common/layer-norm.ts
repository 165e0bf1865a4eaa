/** Layer normalisation over the last axis (Ba et al. 2016), epsilon 1e-5, with gain g and bias b. */
import * as tf from '@tensorflow/tfjs';

export function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
  });
}
