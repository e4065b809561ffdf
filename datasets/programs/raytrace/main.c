/* raytrace: a tiny fixed-scene ray tracer (multi-file, own Makefile).
 * Renders 96x72 pixels with 2x2 supersampling, shadows and one reflection
 * bounce into a memory buffer, in row order and in tiles (the two must be
 * identical), then prints statistics, an ASCII preview and a checksum of
 * the pixels quantized to 8 bits.
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include "render.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WIDTH 96
#define HEIGHT 72
#define SAMPLES 2

static int failures;

static void check(int cond, const char *what) {
    if (!cond) {
        printf("FAIL %s\n", what);
        failures++;
    }
}

/* Linear value -> 8 bits: clamp, gamma 2 (sqrt), then floor(x * 255). */
static uint8_t quantize(double v) {
    if (!(v > 0.0))
        return 0;
    if (v >= 1.0)
        return 255;
    return (uint8_t)floor(sqrt(v) * 255.0);
}

static void unit_tests(const Scene *s) {
    double t = 0.0;
    check(sphere_hit(&s->spheres[0], vec(0.0, 1.0, 5.0), vec(0.0, 0.0, -1.0), EPS, 1e9, &t) &&
              fabs(t - 4.0) < 1e-12,
          "sphere hit distance");
    check(!sphere_hit(&s->spheres[0], vec(0.0, 2.5, 5.0), vec(0.0, 0.0, -1.0), EPS, 1e9, &t),
          "sphere miss");
    check(plane_hit(&s->planes[0], vec(0.3, 2.0, 0.7), vec(0.0, -1.0, 0.0), EPS, 1e9, &t) &&
              fabs(t - 2.0) < 1e-12,
          "plane hit distance");
    Vec l = v_norm(v_sub(s->lights[0].pos, vec(0.0, 1e-4, 0.0)));
    check(scene_occluded(s, vec(0.0, 1e-4, 0.0), l, 20.0), "point under the sphere is shadowed");
    Vec a = vec(0.3, -1.2, 2.0), b = vec(-0.7, 0.4, 1.1);
    Vec cr = v_cross(a, b);
    check(fabs(v_dot(cr, a)) < 1e-12 && fabs(v_dot(cr, b)) < 1e-12, "cross product orthogonal");
    Vec r = v_reflect(v_norm(vec(1.0, -1.0, 0.0)), vec(0.0, 1.0, 0.0));
    check(fabs(r.x - r.y) < 1e-12 && r.y > 0.0, "reflection");
}

int main(void) {
    static const char ramp[] = " .:-=+*#%@";
    Scene scene;
    Camera cam;
    Image img[2];
    RenderStats st[2];
    scene_build(&scene);
    unit_tests(&scene);
    for (int i = 0; i < 2; i++) {
        img[i].w = WIDTH;
        img[i].h = HEIGHT;
        img[i].rgb = calloc((size_t)WIDTH * HEIGHT * 3, sizeof(double));
        if (!img[i].rgb) {
            printf("FAIL out of memory\n");
            return 1;
        }
        memset(&st[i], 0, sizeof st[i]);
    }
    camera_setup(&cam, vec(0.0, 1.7, 6.5), vec(0.0, 0.8, 0.0), 0.62, WIDTH, HEIGHT, SAMPLES);

    /* The centre ray must hit the big red sphere. */
    Hit hit;
    Vec mid = camera_ray(&cam, &img[0], WIDTH / 2.0, HEIGHT / 2.0);
    check(scene_intersect(&scene, cam.eye, mid, 1e4, &hit) && hit.mat == &scene.spheres[0].mat,
          "centre ray hits the red sphere");

    render_rows(&scene, &cam, &img[0], &st[0]);
    render_tiles(&scene, &cam, &img[1], 8, &st[1]);
    size_t nbytes = (size_t)WIDTH * HEIGHT * 3 * sizeof(double);
    int same = memcmp(img[0].rgb, img[1].rgb, nbytes) == 0 &&
               memcmp(&st[0], &st[1], sizeof st[0]) == 0;
    check(same, "row-order and tiled renders identical");
    printf("rays: primary=%lu reflected=%lu shadow=%lu (occluded %lu) hits=%lu\n", st[0].primary,
           st[0].reflected, st[0].shadow, st[0].occluded, st[0].hits);

    uint8_t *q = malloc((size_t)WIDTH * HEIGHT * 3);
    if (!q) {
        printf("FAIL out of memory\n");
        return 1;
    }
    uint32_t h = 2166136261u;
    unsigned long sum[3] = {0, 0, 0}, hist[8] = {0};
    for (int i = 0; i < WIDTH * HEIGHT * 3; i++) {
        q[i] = quantize(img[0].rgb[i]);
        sum[i % 3] += q[i];
        h = (h ^ q[i]) * 16777619u;
    }
    for (int i = 0; i < WIDTH * HEIGHT; i++) {
        int lum = (q[3 * i] * 54 + q[3 * i + 1] * 183 + q[3 * i + 2] * 19) >> 8;
        hist[lum >> 5]++;
    }
    printf("mean rgb: %lu %lu %lu\n", sum[0] / (WIDTH * HEIGHT), sum[1] / (WIDTH * HEIGHT),
           sum[2] / (WIDTH * HEIGHT));
    printf("luminance histogram:");
    for (int i = 0; i < 8; i++)
        printf(" %lu", hist[i]);
    printf("\n");

    /* ASCII preview: 2x4 pixel blocks. */
    for (int by = 0; by < HEIGHT; by += 4) {
        char line[WIDTH / 2 + 1];
        for (int bx = 0; bx < WIDTH; bx += 2) {
            int acc = 0;
            for (int y = by; y < by + 4; y++)
                for (int x = bx; x < bx + 2; x++) {
                    const uint8_t *p = &q[(y * WIDTH + x) * 3];
                    acc += (p[0] * 54 + p[1] * 183 + p[2] * 19) >> 8;
                }
            line[bx / 2] = ramp[acc / 8 * 10 / 256];
        }
        line[WIDTH / 2] = '\0';
        printf("|%s|\n", line);
    }

    h = (h ^ (uint32_t)st[0].shadow) * 16777619u;
    h = (h ^ (uint32_t)st[0].occluded) * 16777619u;
    free(q);
    free(img[0].rgb);
    free(img[1].rgb);
    printf("self-checks: %s\n", failures ? "FAILED" : "passed");
    printf("checksum: 0x%08x\n", (unsigned)h);
    return failures ? 1 : 0;
}
