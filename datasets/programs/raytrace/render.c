/* raytrace: Whitted-style shading - ambient, Lambert diffuse and
 * Blinn-Phong specular per light with shadow rays, one mirror bounce, a sky
 * gradient - and pixel loops in row order or in square tiles. */
#include "render.h"

#include <stddef.h>

#define TMAX 1.0e4

void camera_setup(Camera *c, Vec eye, Vec target, double half_w, int w, int h, int samples) {
    c->eye = eye;
    c->forward = v_norm(v_sub(target, eye));
    c->right = v_norm(v_cross(c->forward, vec(0.0, 1.0, 0.0)));
    c->up = v_cross(c->right, c->forward);
    c->half_w = half_w;
    c->half_h = half_w * (double)h / (double)w;
    c->samples = samples;
}

/* Unit direction through image position (px, py), in pixels from top left. */
Vec camera_ray(const Camera *c, const Image *img, double px, double py) {
    double u = (2.0 * px / (double)img->w - 1.0) * c->half_w;
    double v = (1.0 - 2.0 * py / (double)img->h) * c->half_h;
    Vec d = v_madd(v_madd(c->forward, c->right, u), c->up, v);
    return v_norm(d);
}

/* x^n for a power-of-two n by repeated squaring. */
static double pow2k(double x, int n) {
    while (n > 1) {
        x *= x;
        n >>= 1;
    }
    return x;
}

static Vec sky(const Scene *s, Vec dir) {
    double t = 0.5 * (dir.y + 1.0);
    return v_add(v_scale(s->sky_bottom, 1.0 - t), v_scale(s->sky_top, t));
}

static Vec shade(const Scene *s, const Hit *hit, Vec dir, RenderStats *st) {
    Vec base = surface_color(hit);
    Vec n = hit->normal;
    if (v_dot(n, dir) > 0.0) /* seen from behind (planes) */
        n = v_scale(n, -1.0);
    Vec col = v_mul(base, s->ambient);
    for (int i = 0; i < s->nlights; i++) {
        const Light *lt = &s->lights[i];
        Vec to_light = v_sub(lt->pos, hit->point);
        double dist = v_len(to_light);
        Vec l = v_scale(to_light, 1.0 / dist);
        double ndotl = v_dot(n, l);
        if (ndotl <= 0.0)
            continue;
        st->shadow++;
        if (scene_occluded(s, v_madd(hit->point, n, 1e-4), l, dist)) {
            st->occluded++;
            continue;
        }
        Vec diffuse = v_scale(v_mul(base, lt->color), hit->mat->diffuse * ndotl);
        Vec half = v_norm(v_sub(l, dir));
        double ndoth = v_dot(n, half);
        double spec = ndoth > 0.0 ? hit->mat->specular * pow2k(ndoth, hit->mat->shininess) : 0.0;
        col = v_add(col, v_add(diffuse, v_scale(lt->color, spec)));
    }
    return col;
}

Vec trace(const Scene *s, Vec orig, Vec dir, int depth, RenderStats *st) {
    Hit hit;
    if (!scene_intersect(s, orig, dir, TMAX, &hit))
        return sky(s, dir);
    st->hits++;
    Vec col = shade(s, &hit, dir, st);
    double k = hit.mat->reflect;
    if (k > 0.0 && depth < MAX_DEPTH) {
        Vec n = v_dot(hit.normal, dir) > 0.0 ? v_scale(hit.normal, -1.0) : hit.normal;
        Vec r = v_norm(v_reflect(dir, n));
        st->reflected++;
        Vec rc = trace(s, v_madd(hit.point, n, 1e-4), r, depth + 1, st);
        col = v_add(v_scale(col, 1.0 - k), v_scale(rc, k));
    }
    return col;
}

/* Average of samples x samples rays on a regular sub-pixel grid. */
void render_pixel(const Scene *s, const Camera *c, Image *img, int x, int y, RenderStats *st) {
    Vec sum = vec(0.0, 0.0, 0.0);
    int n = c->samples;
    for (int sy = 0; sy < n; sy++)
        for (int sx = 0; sx < n; sx++) {
            double px = (double)x + ((double)sx + 0.5) / (double)n;
            double py = (double)y + ((double)sy + 0.5) / (double)n;
            st->primary++;
            sum = v_add(sum, trace(s, c->eye, camera_ray(c, img, px, py), 0, st));
        }
    double inv = 1.0 / (double)(n * n);
    double *p = &img->rgb[((size_t)y * (size_t)img->w + (size_t)x) * 3];
    p[0] = sum.x * inv;
    p[1] = sum.y * inv;
    p[2] = sum.z * inv;
}

void render_rows(const Scene *s, const Camera *c, Image *img, RenderStats *st) {
    for (int y = 0; y < img->h; y++)
        for (int x = 0; x < img->w; x++)
            render_pixel(s, c, img, x, y, st);
}

void render_tiles(const Scene *s, const Camera *c, Image *img, int tile, RenderStats *st) {
    for (int ty = 0; ty < img->h; ty += tile)
        for (int tx = 0; tx < img->w; tx += tile)
            for (int y = ty; y < ty + tile && y < img->h; y++)
                for (int x = tx; x < tx + tile && x < img->w; x++)
                    render_pixel(s, c, img, x, y, st);
}
