/*
 * A test-only bcryptprimitives.dll for Wine 8, which has none.
 *
 * Every Go >= 1.22 Windows program loads bcryptprimitives.dll at start for
 * ProcessPrng, its random source, and dies without it ("fatal error:
 * bcryptprimitives.dll not found"). This DLL exports ProcessPrng over
 * RtlGenRandom (advapi32's SystemFunction036), which Wine implements.
 * internal/winetest builds it with mingw-w64 and copies it into the
 * system32 folder of its throw-away Wine prefixes. It is never shipped:
 * real Windows (8 and later) has the real one.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved)
{
	(void)instance;
	(void)reason;
	(void)reserved;
	return TRUE;
}
