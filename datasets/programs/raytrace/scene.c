/* raytrace: the fixed scene (spheres on a checkered floor in front of a
 * wall, two point lights) and ray intersection routines. */
#include "scene.h"

#include <math.h>
#include <string.h>

static Material material(Vec color, double diffuse, double specular, int shininess, double reflect) {
    Material m;
    memset(&m, 0, sizeof m);
    m.color = color;
    m.color2 = color;
    m.diffuse = diffuse;
    m.specular = specular;
    m.shininess = shininess;
    m.reflect = reflect;
    return m;
}

static void add_sphere(Scene *s, Vec c, double r, Material m) {
    Sphere *sp = &s->spheres[s->nspheres++];
    sp->center = c;
    sp->radius = r;
    sp->mat = m;
}

static void add_plane(Scene *s, Vec n, double offset, Material m) {
    Plane *pl = &s->planes[s->nplanes++];
    pl->normal = v_norm(n);
    pl->offset = offset;
    pl->mat = m;
}

void scene_build(Scene *s) {
    memset(s, 0, sizeof *s);
    add_sphere(s, vec(0.0, 1.0, 0.0), 1.0, material(vec(0.85, 0.20, 0.15), 0.8, 0.6, 64, 0.25));
    add_sphere(s, vec(-2.1, 0.7, 0.9), 0.7, material(vec(0.20, 0.70, 0.25), 0.9, 0.3, 16, 0.0));
    add_sphere(s, vec(1.9, 0.6, 1.3), 0.6, material(vec(0.90, 0.90, 0.95), 0.2, 0.9, 128, 0.65));
    add_sphere(s, vec(0.9, 0.35, 2.4), 0.35, material(vec(0.95, 0.80, 0.20), 0.8, 0.5, 32, 0.1));
    add_sphere(s, vec(-0.8, 0.3, 2.6), 0.3, material(vec(0.30, 0.35, 0.90), 0.7, 0.7, 64, 0.3));
    Material floor_mat = material(vec(0.90, 0.90, 0.88), 0.9, 0.1, 8, 0.15);
    floor_mat.color2 = vec(0.15, 0.15, 0.18);
    floor_mat.checker = 0.75;
    add_plane(s, vec(0.0, 1.0, 0.0), 0.0, floor_mat);
    add_plane(s, vec(0.0, 0.0, 1.0), -4.0, material(vec(0.55, 0.60, 0.75), 0.8, 0.0, 2, 0.0));
    s->lights[0].pos = vec(-4.0, 6.0, 5.0);
    s->lights[0].color = vec(0.85, 0.80, 0.75);
    s->lights[1].pos = vec(5.0, 3.5, 3.0);
    s->lights[1].color = vec(0.35, 0.40, 0.50);
    s->nlights = 2;
    s->ambient = vec(0.08, 0.08, 0.10);
    s->sky_top = vec(0.25, 0.45, 0.85);
    s->sky_bottom = vec(0.85, 0.90, 1.00);
}

/* Nearest root of |o + t d - c|^2 = r^2 in (tmin, tmax); d is unit length. */
int sphere_hit(const Sphere *sp, Vec orig, Vec dir, double tmin, double tmax, double *t) {
    Vec oc = v_sub(orig, sp->center);
    double b = v_dot(oc, dir);
    double c = v_dot(oc, oc) - sp->radius * sp->radius;
    double disc = b * b - c;
    if (disc < 0.0)
        return 0;
    double sq = sqrt(disc);
    double root = -b - sq;
    if (root <= tmin || root >= tmax) {
        root = -b + sq;
        if (root <= tmin || root >= tmax)
            return 0;
    }
    *t = root;
    return 1;
}

int plane_hit(const Plane *pl, Vec orig, Vec dir, double tmin, double tmax, double *t) {
    double denom = v_dot(pl->normal, dir);
    if (fabs(denom) < 1e-12)
        return 0;
    double root = (pl->offset - v_dot(pl->normal, orig)) / denom;
    if (root <= tmin || root >= tmax)
        return 0;
    *t = root;
    return 1;
}

int scene_intersect(const Scene *s, Vec orig, Vec dir, double tmax, Hit *hit) {
    double t;
    int found = 0;
    hit->t = tmax;
    for (int i = 0; i < s->nspheres; i++)
        if (sphere_hit(&s->spheres[i], orig, dir, EPS, hit->t, &t)) {
            found = 1;
            hit->t = t;
            hit->point = v_madd(orig, dir, t);
            hit->normal = v_scale(v_sub(hit->point, s->spheres[i].center), 1.0 / s->spheres[i].radius);
            hit->mat = &s->spheres[i].mat;
        }
    for (int i = 0; i < s->nplanes; i++)
        if (plane_hit(&s->planes[i], orig, dir, EPS, hit->t, &t)) {
            found = 1;
            hit->t = t;
            hit->point = v_madd(orig, dir, t);
            hit->normal = s->planes[i].normal;
            hit->mat = &s->planes[i].mat;
        }
    return found;
}

/* Is anything between orig and orig + dir * dist? */
int scene_occluded(const Scene *s, Vec orig, Vec dir, double dist) {
    double t;
    for (int i = 0; i < s->nspheres; i++)
        if (sphere_hit(&s->spheres[i], orig, dir, EPS, dist, &t))
            return 1;
    for (int i = 0; i < s->nplanes; i++)
        if (plane_hit(&s->planes[i], orig, dir, EPS, dist, &t))
            return 1;
    return 0;
}

/* Base color at a hit; checkered materials alternate by floor cell. */
Vec surface_color(const Hit *hit) {
    const Material *m = hit->mat;
    if (m->checker <= 0.0)
        return m->color;
    long cx = (long)floor(hit->point.x / m->checker);
    long cz = (long)floor(hit->point.z / m->checker);
    return (cx + cz) % 2 != 0 ? m->color2 : m->color;
}
