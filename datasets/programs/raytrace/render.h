/* raytrace: camera, shading and the image buffer. */
#ifndef RAYTRACE_RENDER_H
#define RAYTRACE_RENDER_H

#include "scene.h"

#define MAX_DEPTH 1 /* one reflection bounce */

typedef struct {
  int w, h;
  double *rgb; /* w * h * 3 linear values */
} Image;

typedef struct {
  Vec eye, forward, right, up;
  double half_w, half_h;
  int samples; /* per axis: samples^2 rays per pixel */
} Camera;

typedef struct {
  unsigned long primary, reflected, shadow, hits, occluded;
} RenderStats;

void camera_setup(Camera *c, Vec eye, Vec target, double half_w, int w, int h,
                  int samples);
Vec camera_ray(const Camera *c, const Image *img, double px, double py);
Vec trace(const Scene *s, Vec orig, Vec dir, int depth, RenderStats *st);
void render_pixel(const Scene *s, const Camera *c, Image *img, int x, int y,
                  RenderStats *st);
void render_rows(const Scene *s, const Camera *c, Image *img, RenderStats *st);
void render_tiles(const Scene *s, const Camera *c, Image *img, int tile,
                  RenderStats *st);

#endif
