/* raytrace: scene description and ray-object intersection. */
#ifndef RAYTRACE_SCENE_H
#define RAYTRACE_SCENE_H

#include "vec.h"

#define MAX_SPHERES 8
#define MAX_PLANES 4
#define MAX_LIGHTS 4
#define EPS 1e-6

typedef struct {
  Vec color, color2; /* color2: second checker color (planes) */
  double diffuse, specular, reflect;
  int shininess;  /* Blinn-Phong exponent, a power of two */
  double checker; /* checker square size, 0 for a plain surface */
} Material;

typedef struct {
  Vec center;
  double radius;
  Material mat;
} Sphere;

typedef struct {
  Vec normal; /* unit normal; points p with dot(normal, p) == offset */
  double offset;
  Material mat;
} Plane;

typedef struct {
  Vec pos, color;
} Light;

typedef struct {
  Sphere spheres[MAX_SPHERES];
  Plane planes[MAX_PLANES];
  Light lights[MAX_LIGHTS];
  int nspheres, nplanes, nlights;
  Vec ambient, sky_top, sky_bottom;
} Scene;

typedef struct {
  double t;
  Vec point, normal;
  const Material *mat;
} Hit;

void scene_build(Scene *s);
int sphere_hit(const Sphere *sp, Vec orig, Vec dir, double tmin, double tmax,
               double *t);
int plane_hit(const Plane *pl, Vec orig, Vec dir, double tmin, double tmax,
              double *t);
int scene_intersect(const Scene *s, Vec orig, Vec dir, double tmax, Hit *hit);
int scene_occluded(const Scene *s, Vec orig, Vec dir, double dist);
Vec surface_color(const Hit *hit);

#endif
