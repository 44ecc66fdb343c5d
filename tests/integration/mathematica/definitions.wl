SetAttributes[cbRun, HoldAll]; cbRun[e_] := Check[e, Print["@@X ", StringRiffle[ToString /@ $MessageList, "; "]]]
cbNum[t_] := ToString[CForm[N[t]]]
cbTerms[p_, g_] := StringRiffle[(ToString[#[[2]], InputForm] <> "@" <> StringRiffle[ToString /@ #[[1]], ","]) & /@ CoefficientRules[p, g], " "]
cbLC[p_, g_] := If[p === 0, 0, CoefficientRules[p, g, "Lexicographic"][[1, 2]]]
cbG[2] = {x1, x2};
cbP[0, 0] = 3*x1^2*x2 + (-5);
cbP[0, 1] = 1*x1 + (-1)*x2;
cbP[1, 0] = 2*x1*x2 + 1;
cbP[1, 1] = (-4)*x2^2;
