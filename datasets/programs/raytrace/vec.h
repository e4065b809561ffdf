/* raytrace: 3-component double vectors. */
#ifndef RAYTRACE_VEC_H
#define RAYTRACE_VEC_H

#include <math.h>

/* Keep results independent of -march (no a*b+c -> fma contraction); GCC
 * does not know the pragma (it contracts only with FMA targets). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

typedef struct {
  double x, y, z;
} Vec;

static inline Vec vec(double x, double y, double z) {
  Vec v = {x, y, z};
  return v;
}

static inline Vec v_add(Vec a, Vec b) {
  return vec(a.x + b.x, a.y + b.y, a.z + b.z);
}
static inline Vec v_sub(Vec a, Vec b) {
  return vec(a.x - b.x, a.y - b.y, a.z - b.z);
}
static inline Vec v_scale(Vec a, double s) {
  return vec(a.x * s, a.y * s, a.z * s);
}
static inline Vec v_mul(Vec a, Vec b) {
  return vec(a.x * b.x, a.y * b.y, a.z * b.z);
}
static inline double v_dot(Vec a, Vec b) {
  return a.x * b.x + a.y * b.y + a.z * b.z;
}

static inline Vec v_cross(Vec a, Vec b) {
  return vec(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z,
             a.x * b.y - a.y * b.x);
}

static inline double v_len(Vec a) { return sqrt(v_dot(a, a)); }

static inline Vec v_norm(Vec a) {
  double l = v_len(a);
  return l > 0.0 ? v_scale(a, 1.0 / l) : a;
}

/* a + b * s */
static inline Vec v_madd(Vec a, Vec b, double s) {
  return v_add(a, v_scale(b, s));
}

/* Mirror direction d about the unit normal n. */
static inline Vec v_reflect(Vec d, Vec n) {
  return v_sub(d, v_scale(n, 2.0 * v_dot(d, n)));
}

#endif
