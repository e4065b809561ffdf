/* image_filter.c - integer image processing on a generated 384x384 8-bit
 * grayscale image: 3x3 box blur, 5x5 Gaussian (direct 2-D kernel vs
 * separable passes), Sobel edge magnitude (L1 and integer-sqrt L2), 3x3
 * median (sorting network vs insertion sort), histogram equalization, and
 * connected components of the thresholded edge map. Filters are dispatched
 * through a table of function pointers; borders clamp to the edge.
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define W 384
#define H 384

typedef uint8_t Image[H][W];

typedef struct {
    const char *name;
    void (*apply)(Image in, Image out);
} Filter;

static Image src, out_box, out_gauss, out_gauss_sep, out_sobel, out_sobel2, out_median,
    out_median_ref, out_equal;
static uint16_t sep_tmp[H][W];
static int32_t labels[H][W];
static int32_t stack_buf[W * H];

static uint32_t rng_state = 0xB16B00B5u;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

static int clampi(int v, int lo, int hi) {
    return v < lo ? lo : (v > hi ? hi : v);
}

static uint8_t px(Image img, int y, int x) {
    return img[clampi(y, 0, H - 1)][clampi(x, 0, W - 1)];
}

/* Scene: gradient background, a few filled discs and rectangles, noise. */
static void generate(Image img) {
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            img[y][x] = (uint8_t)((x / 4 + y / 8) & 0xFF);
    for (int k = 0; k < 12; k++) {
        int cx = (int)(rng_next() % W), cy = (int)(rng_next() % H);
        int r = 10 + (int)(rng_next() % 50u);
        uint8_t v = (uint8_t)(rng_next() >> 24);
        for (int y = cy - r; y <= cy + r; y++)
            for (int x = cx - r; x <= cx + r; x++)
                if (y >= 0 && y < H && x >= 0 && x < W &&
                    (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r)
                    img[y][x] = v;
    }
    for (int k = 0; k < 8; k++) {
        int x0 = (int)(rng_next() % (W - 64)), y0 = (int)(rng_next() % (H - 64));
        int w = 8 + (int)(rng_next() % 56u), h = 8 + (int)(rng_next() % 56u);
        uint8_t v = (uint8_t)(rng_next() >> 24);
        for (int y = y0; y < y0 + h; y++)
            for (int x = x0; x < x0 + w; x++)
                img[y][x] = v;
    }
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int noise = (int)(rng_next() % 17u) - 8;
            img[y][x] = (uint8_t)clampi(img[y][x] + noise, 0, 255);
        }
}

static void box_blur(Image in, Image out) {
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int s = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                    s += px(in, y + dy, x + dx);
            out[y][x] = (uint8_t)((s + 4) / 9);
        }
}

static const int gauss1d[5] = {1, 4, 6, 4, 1};

static void gauss_direct(Image in, Image out) {
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int s = 0;
            for (int i = 0; i < 5; i++)
                for (int j = 0; j < 5; j++)
                    s += gauss1d[i] * gauss1d[j] * px(in, y + i - 2, x + j - 2);
            out[y][x] = (uint8_t)((s + 128) >> 8);
        }
}

static void gauss_separable(Image in, Image out) {
    for (int y = 0; y < H; y++) /* horizontal pass, unnormalized (max 16*255) */
        for (int x = 0; x < W; x++) {
            int s = 0;
            for (int j = 0; j < 5; j++)
                s += gauss1d[j] * px(in, y, x + j - 2);
            sep_tmp[y][x] = (uint16_t)s;
        }
    for (int y = 0; y < H; y++) /* vertical pass on the clamped rows */
        for (int x = 0; x < W; x++) {
            int s = 0;
            for (int i = 0; i < 5; i++)
                s += gauss1d[i] * sep_tmp[clampi(y + i - 2, 0, H - 1)][x];
            out[y][x] = (uint8_t)((s + 128) >> 8);
        }
}

static void sobel_xy(Image in, int y, int x, int *gx, int *gy) {
    int a = px(in, y - 1, x - 1), b = px(in, y - 1, x), c = px(in, y - 1, x + 1);
    int d = px(in, y, x - 1), f = px(in, y, x + 1);
    int g = px(in, y + 1, x - 1), hh = px(in, y + 1, x), i = px(in, y + 1, x + 1);
    *gx = (c + 2 * f + i) - (a + 2 * d + g);
    *gy = (g + 2 * hh + i) - (a + 2 * b + c);
}

static int iabs(int v) { return v < 0 ? -v : v; }

static void sobel_l1(Image in, Image out) {
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int gx, gy;
            sobel_xy(in, y, x, &gx, &gy);
            out[y][x] = (uint8_t)clampi((iabs(gx) + iabs(gy)) / 4, 0, 255);
        }
}

/* floor(sqrt(v)) by the bitwise method. */
static uint32_t isqrt32(uint32_t v) {
    uint32_t res = 0, bit = 1u << 30;
    while (bit > v)
        bit >>= 2;
    while (bit) {
        if (v >= res + bit) {
            v -= res + bit;
            res = (res >> 1) + bit;
        } else {
            res >>= 1;
        }
        bit >>= 2;
    }
    return res;
}

static void sobel_l2(Image in, Image out) {
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int gx, gy;
            sobel_xy(in, y, x, &gx, &gy);
            uint32_t m = isqrt32((uint32_t)(gx * gx + gy * gy));
            out[y][x] = (uint8_t)(m > 1020u ? 255u : m / 4u);
        }
}

#define SORT2(a, b)                                                                            \
    do {                                                                                       \
        if ((a) > (b)) {                                                                       \
            uint8_t t_ = (a);                                                                  \
            (a) = (b);                                                                         \
            (b) = t_;                                                                          \
        }                                                                                      \
    } while (0)

/* Paeth's 19-comparator median-of-9 network. */
static uint8_t median9_network(uint8_t p[9]) {
    SORT2(p[1], p[2]); SORT2(p[4], p[5]); SORT2(p[7], p[8]);
    SORT2(p[0], p[1]); SORT2(p[3], p[4]); SORT2(p[6], p[7]);
    SORT2(p[1], p[2]); SORT2(p[4], p[5]); SORT2(p[7], p[8]);
    SORT2(p[0], p[3]); SORT2(p[5], p[8]); SORT2(p[4], p[7]);
    SORT2(p[3], p[6]); SORT2(p[1], p[4]); SORT2(p[2], p[5]);
    SORT2(p[4], p[7]); SORT2(p[4], p[2]); SORT2(p[6], p[4]);
    SORT2(p[4], p[2]);
    return p[4];
}

static uint8_t median9_insertion(uint8_t p[9]) {
    for (int i = 1; i < 9; i++) {
        uint8_t v = p[i];
        int j = i - 1;
        while (j >= 0 && p[j] > v) {
            p[j + 1] = p[j];
            j--;
        }
        p[j + 1] = v;
    }
    return p[4];
}

static void gather3x3(Image in, int y, int x, uint8_t p[9]) {
    int k = 0;
    for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++)
            p[k++] = px(in, y + dy, x + dx);
}

static void median_network(Image in, Image out) {
    uint8_t p[9];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            gather3x3(in, y, x, p);
            out[y][x] = median9_network(p);
        }
}

static void median_insertion(Image in, Image out) {
    uint8_t p[9];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            gather3x3(in, y, x, p);
            out[y][x] = median9_insertion(p);
        }
}

static void equalize(Image in, Image out) {
    uint32_t hist[256] = {0}, cdf[256];
    uint8_t lut[256];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            hist[in[y][x]]++;
    uint32_t run = 0, cdf_min = 0;
    for (int v = 0; v < 256; v++) {
        run += hist[v];
        cdf[v] = run;
        if (cdf_min == 0 && run > 0)
            cdf_min = run;
    }
    uint32_t denom = (uint32_t)(W * H) - cdf_min;
    for (int v = 0; v < 256; v++) {
        if (denom == 0 || cdf[v] < cdf_min)
            lut[v] = (uint8_t)v;
        else
            lut[v] = (uint8_t)(((uint64_t)(cdf[v] - cdf_min) * 255u + denom / 2) / denom);
    }
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            out[y][x] = lut[in[y][x]];
}

/* 4-connected components of pixels >= thresh, iterative flood fill. */
static int components(Image img, int thresh, int *largest) {
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            labels[y][x] = img[y][x] >= thresh ? -1 : 0;
    int count = 0;
    *largest = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            if (labels[y][x] != -1)
                continue;
            int sp = 0, size = 0;
            labels[y][x] = ++count;
            stack_buf[sp++] = y * W + x;
            while (sp > 0) {
                int p = stack_buf[--sp];
                int cy = p / W, cx = p % W;
                size++;
                static const int dy4[4] = {-1, 1, 0, 0}, dx4[4] = {0, 0, -1, 1};
                for (int k = 0; k < 4; k++) {
                    int ny = cy + dy4[k], nx = cx + dx4[k];
                    if (ny < 0 || ny >= H || nx < 0 || nx >= W || labels[ny][nx] != -1)
                        continue;
                    labels[ny][nx] = count;
                    stack_buf[sp++] = ny * W + nx;
                }
            }
            if (size > *largest)
                *largest = size;
        }
    return count;
}

static uint32_t image_hash(Image img) {
    uint32_t h = 0x811c9dc5u;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            h = (h ^ img[y][x]) * 0x01000193u;
    return h;
}

static uint64_t image_sum(Image img) {
    uint64_t s = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            s += img[y][x];
    return s;
}

int main(void) {
    generate(src);
    const Filter filters[] = {
        {"box3x3", box_blur},           {"gauss5x5", gauss_direct},
        {"gauss5x5-sep", gauss_separable}, {"sobel-l1", sobel_l1},
        {"sobel-l2", sobel_l2},         {"median3x3", median_network},
        {"median-ref", median_insertion}, {"equalize", equalize},
    };
    uint8_t (*const outs[])[W] = {out_box,    out_gauss,  out_gauss_sep,  out_sobel,
                                  out_sobel2, out_median, out_median_ref, out_equal};
    int nf = (int)(sizeof filters / sizeof filters[0]);
    uint32_t h = image_hash(src);
    printf("source        sum %9llu  hash 0x%08x\n", (unsigned long long)image_sum(src),
           (unsigned)h);
    for (int i = 0; i < nf; i++) {
        filters[i].apply(src, outs[i]);
        uint32_t fh = image_hash(outs[i]);
        printf("%-13s sum %9llu  hash 0x%08x\n", filters[i].name,
               (unsigned long long)image_sum(outs[i]), (unsigned)fh);
        h = (h ^ fh) * 0x01000193u;
    }

    int ok = 1;
    if (memcmp(out_gauss, out_gauss_sep, sizeof(Image)) != 0) {
        printf("FAIL separable gaussian differs from direct\n");
        ok = 0;
    }
    if (memcmp(out_median, out_median_ref, sizeof(Image)) != 0) {
        printf("FAIL median network differs from insertion sort\n");
        ok = 0;
    }
    /* Equalized histogram must be monotone in the source values. */
    uint8_t lo_map[256], seen[256] = {0};
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            lo_map[src[y][x]] = out_equal[y][x];
            seen[src[y][x]] = 1;
        }
    int prev = -1;
    for (int v = 0; v < 256; v++)
        if (seen[v]) {
            if (lo_map[v] < prev) {
                printf("FAIL equalization not monotone\n");
                ok = 0;
                break;
            }
            prev = lo_map[v];
        }

    for (int t = 0; t < 3; t++) {
        static const int thresholds[3] = {20, 40, 80};
        int largest;
        int n = components(out_sobel, thresholds[t], &largest);
        printf("edges >= %3d: %6d components, largest %6d px\n", thresholds[t], n, largest);
        h = (h ^ (uint32_t)n) * 0x01000193u;
        h = (h ^ (uint32_t)largest) * 0x01000193u;
    }

    printf("checksum: 0x%08x\n", (unsigned)h);
    return ok ? 0 : 1;
}
