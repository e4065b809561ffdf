; A unit's file name comes from the module's source file name, which any
; bitcode can set: whatever it says (parent directories, an absolute path, a
; NUL or control bytes, a leading dot), the unit is written inside the
; collection directory under a plain name, and nothing else is written.
; RUN: rm -rf %t && mkdir -p %t/units
; RUN: sed 's|^source_filename = "SOURCE"|source_filename = "../../escape.c"|' %s > %t/parent.ll
; RUN: sed 's|^source_filename = "SOURCE"|source_filename = "/tmp/abs/x y.c"|' %s > %t/absolute.ll
; RUN: sed 's|^source_filename = "SOURCE"|source_filename = "a\\00b\\0A;c.c"|' %s > %t/bytes.ll
; RUN: sed 's|^source_filename = "SOURCE"|source_filename = ".."|' %s > %t/dots.ll
; RUN: sed 's|^source_filename = "SOURCE"|source_filename = ".hidden.c"|' %s > %t/hidden.ll
; RUN: env OPTGYM_COLLECT=%t/units %optgym-opt -passes='default<O1>' -disable-output %t/parent.ll
; RUN: env OPTGYM_COLLECT=%t/units %optgym-opt -passes='default<O1>' -disable-output %t/absolute.ll
; RUN: env OPTGYM_COLLECT=%t/units %optgym-opt -passes='default<O1>' -disable-output %t/bytes.ll
; RUN: env OPTGYM_COLLECT=%t/units %optgym-opt -passes='default<O1>' -disable-output %t/dots.ll
; RUN: env OPTGYM_COLLECT=%t/units %optgym-opt -passes='default<O1>' -disable-output %t/hidden.ll
; RUN: env LC_ALL=C ls -A %t/units | FileCheck %s
; RUN: find %t -type f -not -path '*/units/*' -not -name '*.ll' | count 0
; CHECK: a_b__c-{{[0-9a-f]+}}.bc
; CHECK-NEXT: a_b__c-{{[0-9a-f]+}}.json
; CHECK-NEXT: escape-{{[0-9a-f]+}}.bc
; CHECK-NEXT: escape-{{[0-9a-f]+}}.json
; CHECK-NEXT: module..-{{[0-9a-f]+}}.bc
; CHECK-NEXT: module..-{{[0-9a-f]+}}.json
; CHECK-NEXT: module.hidden-{{[0-9a-f]+}}.bc
; CHECK-NEXT: module.hidden-{{[0-9a-f]+}}.json
; CHECK-NEXT: x_y-{{[0-9a-f]+}}.bc
; CHECK-NEXT: x_y-{{[0-9a-f]+}}.json
; CHECK-NOT: {{.}}

source_filename = "SOURCE"

define i32 @f(i32 %x) {
  %y = add i32 %x, 1
  ret i32 %y
}
