#!/usr/bin/env bash
# Fails unless the given Windows executable imports only DLLs that every
# Windows 10/11 installation has (no libstdc++-6.dll, libwinpthread-1.dll, ...).
#
#   packaging/windows/check-imports.sh dist/windows/lifeline.exe
set -euo pipefail
exe=$1
system='^(advapi32|bcrypt|bcryptprimitives|comctl32|comdlg32|crypt32|dbghelp|dnsapi|dwmapi|dxgi|d3d11|gdi32|gdiplus|imm32|iphlpapi|kernel32|msvcrt|ntdll|ole32|oleaut32|opengl32|powrprof|psapi|setupapi|shcore|shell32|shlwapi|user32|userenv|uxtheme|version|winmm|winspool\.drv|wlanapi|ws2_32|wsock32|api-ms-win-[a-z0-9-]+)(\.dll)?$'
dlls=$(x86_64-w64-mingw32-objdump -p "$exe" | awk '/DLL Name:/ {print tolower($3)}' | sort -u)
foreign=$(grep -Ev "$system" <<<"$dlls" || true)
if [ -n "$foreign" ]; then
  echo "$exe imports non-system DLLs: $(echo $foreign)" >&2
  exit 1
fi
echo "$exe imports only system DLLs: $(echo $dlls)"
