cbRun[cbT = Timing[AbsoluteTiming[cbR = {GroebnerBasis[{cbP[0, 0], cbP[0, 1]}, cbG[2], MonomialOrder -> Lexicographic, CoefficientDomain -> Integers]};]], Print["@@T ", cbNum[cbT[[2, 1]]], " ", cbNum[cbT[[1]]]]]; cbR = Null
cbRun[cbV = GroebnerBasis[{cbP[0, 0], cbP[0, 1]}, cbG[2], MonomialOrder -> Lexicographic, CoefficientDomain -> Integers], Scan[Print["@@P ", cbTerms[#, cbG[2]]] &, cbV]]
